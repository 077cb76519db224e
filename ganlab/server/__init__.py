"""The server's state, without Gradio: what any front end (the Gradio app, a plain HTTP route, a test)
calls. ``store`` keeps each browser session's job (its runs and their thread), saved generators and
page choices, with the idle reaper; ``uploads`` its uploaded data; ``limits`` the defaults that make a
shared server safe; ``classroom`` teacher mode's sign-in and shown run; ``wall`` the teacher's wall."""
