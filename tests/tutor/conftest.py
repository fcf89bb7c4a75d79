from tests.engine.conftest import model, shell  # noqa: F401  (a real InteractiveShell with the extension)
