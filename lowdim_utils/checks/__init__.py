"""Exercise checks, one module per lesson; importing this package registers them all."""
from . import lesson01  # noqa: F401
