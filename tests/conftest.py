"""Fixtures shared by test files (pytest finds them here)."""
import pytest

from pyjax._src.config import config
from pyjax._src.compiler import executable, fusion


@pytest.fixture
def strict_kernels(monkeypatch):
    """Kernel build errors must fail the tests instead of falling back to impls."""
    monkeypatch.setattr(executable, "STRICT", True)


@pytest.fixture
def all_fused(monkeypatch):
    """Small arrays are normally run by impls; compile them too."""
    monkeypatch.setattr(fusion, "SMALL", 0)


@pytest.fixture
def x64():
    with config.setting("jax_enable_x64", True):
        yield
