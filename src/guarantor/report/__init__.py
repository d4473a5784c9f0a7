"""The report room: a self-contained HTML report and the web dashboard's front end."""
