import pytest

from keras_gan.errors import UserError
from keras_gan.files import atomic_dir, atomic_path, atomic_write_text


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


def test_atomic_dir_publishes_only_a_finished_folder(tmp_path):
    target = tmp_path / "export" / "1"
    with atomic_dir(target) as tmp:
        (tmp / "model.pb").write_text("new")
        assert not target.exists()  # nothing visible until the block ends
    assert (target / "model.pb").read_text() == "new"

    with pytest.raises(RuntimeError):
        with atomic_dir(target, replace=True) as tmp:
            (tmp / "model.pb").write_text("half")
            raise RuntimeError("crash mid-export")
    assert (target / "model.pb").read_text() == "new"

    with pytest.raises(UserError, match="already exists"):
        with atomic_dir(target) as tmp:
            (tmp / "model.pb").write_text("other")
    with atomic_dir(target, replace=True) as tmp:
        (tmp / "model.pb").write_text("newer")
    assert (target / "model.pb").read_text() == "newer"
    assert [p.name for p in target.parent.iterdir()] == ["1"]  # no temporary or old folders left
