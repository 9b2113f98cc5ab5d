"""The runner: it drives an experiment through its lifecycle.

``lifecycle`` takes an experiment from its stored state to a final one; ``driver`` creates,
reports and records the trials of one search (``search_loop`` runs them, on an executor:
``inline``, ``process_pool`` or ``ray_executor``); ``final_stages`` preflights the data
before the search and retrains, tests and exports the best candidates after it.
"""
