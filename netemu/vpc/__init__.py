"""AWS VPC networking, pure: topology model, validation with AWS's error codes, and the path
explainer ``trace``. No sockets, no subprocess, no clock or global randomness."""
