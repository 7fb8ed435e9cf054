from sracl_cli.training.early_stopping import EarlyStopping


def test_stops_after_patience_epochs_without_gain():
    stopper = EarlyStopping(patience=2)
    improved = [stopper.update(v, epoch) for epoch, v in enumerate([0.1, 0.3, 0.3, 0.2], start=1)]
    assert improved == [True, True, False, False]
    assert stopper.should_stop and (stopper.best, stopper.best_epoch) == (0.3, 2)
