SRCS_mm := hv/common/page_alloc.c hv/common/bootmem.c hv/common/xmalloc.c hv/common/page_ref.c
