"""What ``netsynth run`` uses without a spec: the built-in quickstart and its objective."""
