// Composition root; filled in by the host work (issue 3).
return 0;
