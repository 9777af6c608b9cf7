"""Privacy: how long personal data lives, and what a voter can see of their own.

- ``keys``: each petition's data key, created, unwrapped and re-wrapped (crypto-shredding rests
  on it);
- ``retention``: the retention policy and the purge that destroys a petition's personal data;
- ``own_data``: the voter's own-data page.
"""
