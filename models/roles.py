"""The names of the built-in roles (data the models' workflows refer to)."""

ADMIN = "系统管理员"
STREET = "街道管理员"
COMMUNITY = "社区工作者"
GRID = "网格员"
UNIT = "共建单位"
SOCIAL = "社工"

#: staff who collect needs and keep the community's ledgers
STAFF = (STREET, COMMUNITY, GRID)
#: staff who judge work and approve hours (grid workers do not)
REVIEWERS = (STREET, COMMUNITY)
