"""The Class tab (teacher mode): the shown run for every student, the teacher's controls and wall."""
