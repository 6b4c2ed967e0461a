// Benchmarks entry point; filled in with the broker benchmark (issue 2).
return 0;
