"""The corpus check: facts in, a typed verdict out.  Engine, rules, share-alike, policy,
corpus files, and the one module that decides what needs a human and why."""
