# Shorthands for the README's quick start, for those who have make: both run scripts/quickstart.sh,
# which sets up .venv on first use.
.PHONY: demo test clean

demo:
	scripts/quickstart.sh demo

test:
	scripts/quickstart.sh test

clean:
	rm -rf .venv runs
