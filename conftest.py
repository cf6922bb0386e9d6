"""Shared pytest set-up for the library tests (tests/) and the notebooks (book/, nbval).

Under pytest-xdist each worker gets one BLAS / OpenMP thread: two workers on two cores
with two BLAS threads each would oversubscribe the machine and make every test slower.
The environment variables reach the notebook kernels nbval starts, which inherit them.
"""

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # for libraries already loaded in this worker
