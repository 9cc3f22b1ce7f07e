from django.urls import path

from bench.bare import bare
from config.urls import urlpatterns as portal

urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal]
