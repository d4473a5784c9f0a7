"""Respond: requirements from a ladder step, allocation of pledges (HiGHS MILP), gaps, fair shares."""
