"""jax.errors: the error classes pyjax raises."""
from pyjax._src.errors import (  # noqa: F401
    JAXTypeError, JAXIndexError, ConcretizationTypeError, TracerBoolConversionError,
    TracerArrayConversionError, TracerIntegerConversionError, UnexpectedTracerError,
    KeyReuseError, NonConcreteBooleanIndexError, JaxRuntimeError)
