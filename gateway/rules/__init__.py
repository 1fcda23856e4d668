"""Pure rules: functions of a notice, a profile and (for timing) a clock."""
