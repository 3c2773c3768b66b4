"""Exercise checks, one module per lesson (``lessonNN.py``); importing this package registers them all."""
import importlib
import pkgutil

for _m in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson")):
    importlib.import_module(f"{__name__}.{_m}")
