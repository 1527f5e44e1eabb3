import pytest

from keras_gan.io import atomic_path, atomic_write_text


@pytest.mark.parametrize("name", ["config.json", "generator.keras", "clf.weights.h5", "noext"])
def test_temporary_name_keeps_every_suffix(tmp_path, name):
    target = tmp_path / name
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".")
        assert tmp.name.endswith("".join(target.suffixes))
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "config.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
    assert oct(target.stat().st_mode & 0o777) != "0o600"  # not left private like mkstemp's files
