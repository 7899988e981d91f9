"""A stock Django 5.2 admin over the portal's ``work_log`` table (the benchmark's rival).

``python -m benchmarks.rivals.django_admin setup|count|startup``; WSGI entry
``benchmarks.rivals.django_admin.wsgi:application``.
"""
