"""Running clients: the kernel, notebook execution, one client, a batch and a Dask batch."""
