"""Developer tools that are not part of the running application.

Run from the checkout (the repository root is on sys.path for manage.py and pytest).
"""
