"""Reference data the rules are built from: bank holidays, court closures and the site registry."""
