import pytest

from tests.unit.scripted_http import ScriptedServer


@pytest.fixture
def scripted():
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def scripted_tls(tmp_path):
    server = ScriptedServer(tls_dir=str(tmp_path))
    yield server
    server.close()
