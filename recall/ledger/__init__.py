"""The public signature ledger: pure building blocks (no Django), see API.md."""
