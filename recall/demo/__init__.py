"""The demo's strong path: a certificate authority of its own and the pages that play NCALayer."""
