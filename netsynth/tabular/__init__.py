"""A tabular NAS benchmark: every cell of a NAS-Bench-201-style space trained once on MNIST-1D,
stored as a table, and an estimator that answers trials from it with a simulated clock."""
