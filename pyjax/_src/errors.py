"""JAX's error classes, with their names, bases and documentation links."""

_DOCS = "https://docs.jax.dev/en/latest/errors.html"


class _JAXErrorMixin:
    """Appends the link to the error's documentation to every message."""

    _error_page = _DOCS

    def __init__(self, message: str = ""):
        name = type(self).__name__
        super().__init__(f"{message}\nSee {self._error_page}#jax.errors.{name}")


class JAXTypeError(_JAXErrorMixin, TypeError):
    pass


class JAXIndexError(_JAXErrorMixin, IndexError):
    pass


class ConcretizationTypeError(JAXTypeError):
    """A traced value was used where a concrete Python value is needed."""


class TracerBoolConversionError(ConcretizationTypeError):
    """``bool()`` of a traced value, e.g. ``if x > 0`` inside jit."""


class TracerArrayConversionError(JAXTypeError):
    """A traced value was converted to a NumPy array (``np.asarray(tracer)``)."""


class TracerIntegerConversionError(JAXTypeError):
    """``__index__`` of a traced value, e.g. ``range(n)`` or ``lst[i]`` inside jit."""


class UnexpectedTracerError(JAXTypeError):
    """A traced value escaped the function being transformed."""


class KeyReuseError(JAXTypeError):
    """A PRNG key was used twice under key-reuse checking."""


class NonConcreteBooleanIndexError(JAXIndexError):
    """A boolean mask whose values are not known at trace time was used as an index."""


class JaxRuntimeError(RuntimeError):
    """An error raised while running a compiled computation."""


def overflow_error(path, value):
    """JAX's error for a Python int argument that does not fit the default integer type."""
    return OverflowError("An overflow was encountered while parsing an argument to a jitted "
                         f"computation, whose argument path is {path}. Got {type(value)} with "
                         f"value {value}")


for _cls in (JAXTypeError, JAXIndexError, ConcretizationTypeError, TracerBoolConversionError,
             TracerArrayConversionError, TracerIntegerConversionError, UnexpectedTracerError,
             KeyReuseError, NonConcreteBooleanIndexError, JaxRuntimeError):
    _cls.__module__ = "pyjax.errors"  # shown as in JAX: jax.errors.ConcretizationTypeError
