"""What the three stream processors share: the faust app factory, stored ledgers, metrics."""
