"""The one CPU device pyjax runs on, with JAX's device and sharding API surface."""


class Device:
    """A device, as ``jax.devices()`` lists them."""

    platform = "cpu"
    device_kind = "cpu"
    client = None
    process_index = 0
    host_id = 0
    local_hardware_id = None

    def __init__(self, id=0):
        self.id = id

    def __repr__(self):
        return f"CpuDevice(id={self.id})"

    def __str__(self):
        return f"{self.platform}:{self.id}"

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(("cpu", self.id))


CPU = Device(0)


class SingleDeviceSharding:
    """Where an array lives: always the one CPU device."""

    memory_kind = "device"

    def __init__(self, device=CPU, memory_kind="device"):
        self._device = device
        self.memory_kind = memory_kind

    device_set = property(lambda self: {self._device})

    def __repr__(self):
        return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"

    def __eq__(self, other):
        return isinstance(other, SingleDeviceSharding) and other._device == self._device

    def __hash__(self):
        return hash(self._device)


SHARDING = SingleDeviceSharding()


def _check_backend(backend):
    if backend not in (None, "cpu"):
        raise RuntimeError(f"Unknown backend {backend}. Available backends: ['cpu']")


def devices(backend=None):
    _check_backend(backend)
    return [CPU]


def local_devices(process_index=None, backend=None, host_id=None):
    _check_backend(backend)
    return [CPU]


def device_count(backend=None):
    _check_backend(backend)
    return 1


local_device_count = device_count


def default_backend():
    return "cpu"


def process_index(backend=None):
    return 0


def process_count(backend=None):
    return 1
