"""The run folder's callbacks: the metrics CSV, the image grid and the checkpoint."""

from keras_gan.training import callbacks


def test_metrics_csv_handles_columns_that_come_and_go(tmp_path):
    path = tmp_path / "m.csv"
    log = callbacks.MetricsCSV(path, images_per_epoch=100)
    log.on_train_begin()
    for epoch, logs in enumerate([{"d_loss": 1.0}, {"d_loss": 0.5, "fcd": 3.0}, {"d_loss": 0.4}]):
        log.on_epoch_begin(epoch)
        log.on_train_batch_end(0)
        log.on_epoch_end(epoch, logs)
    rows = callbacks.read_csv(path)
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert [r["fcd"] for r in rows] == ["", "3", ""]
    callbacks.MetricsCSV.truncate(path, 2)
    assert [r["epoch"] for r in callbacks.read_csv(path)] == ["1", "2"]
