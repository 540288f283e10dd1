// OpenBLAS's CBLAS interface; `openblas_set_num_threads` lets Compute switch BLAS threading off.
#include <cblas.h>
