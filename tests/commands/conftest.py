from tests.engine.conftest import model, shell  # noqa: F401  (the same real shell and scripted model)
