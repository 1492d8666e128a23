"""The bootstrap project (run with `pulumi up` from this directory): its modules, importable by the tests."""
