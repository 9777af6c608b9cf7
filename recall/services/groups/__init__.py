"""Initiative groups and deputies: the people on either side of a petition.

- ``initiative``: a group applies on the web, members join by invitation and confirm by code;
- ``sheets``: numbered paper signature sheets issued to the group's collectors;
- ``group_notices``: what the group is told as its petition moves;
- ``deputies``: the deputy's account and the answers they publish.
"""
