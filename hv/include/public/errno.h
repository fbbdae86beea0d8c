/* SPDX-License-Identifier: MIT */
/*
 * Error numbers of Xen's guest ABI. Hypercalls return them negated in RAX.
 * The values equal Linux's errno numbers for x86, which is what guests rely on.
 */
#ifndef TERN_PUBLIC_ERRNO_H
#define TERN_PUBLIC_ERRNO_H

#define EPERM 1    /* operation not permitted */
#define ENOENT 2   /* no such entry */
#define ESRCH 3    /* no such domain or vCPU */
#define EINTR 4    /* interrupted */
#define EIO 5      /* I/O error */
#define ENXIO 6    /* no such device or address */
#define E2BIG 7    /* argument list too long */
#define ENOEXEC 8  /* bad executable format */
#define EBADF 9    /* bad file/port number */
#define ECHILD 10  /* no child */
#define EAGAIN 11  /* try again */
#define ENOMEM 12  /* out of memory */
#define EACCES 13  /* permission denied */
#define EFAULT 14  /* bad address */
#define EBUSY 16   /* resource busy */
#define EEXIST 17  /* already exists */
#define EXDEV 18   /* cross-domain link */
#define ENODEV 19  /* no such device */
#define EINVAL 22  /* invalid argument */
#define ENFILE 23  /* table overflow */
#define EMFILE 24  /* too many open */
#define ENOSPC 28  /* no space left */
#define EROFS 30   /* read-only */
#define EMLINK 31  /* too many links */
#define EDOM 33    /* argument out of domain */
#define ERANGE 34  /* result out of range */
#define EDEADLK 35 /* deadlock */
#define ENAMETOOLONG 36
#define ENOLCK 37
#define ENOSYS 38    /* function not implemented */
#define ENOTEMPTY 39 /* not empty */
#define ENODATA 61   /* no data */
#define ETIME 62     /* timer expired */
#define EBADMSG 74   /* bad message */
#define EOVERFLOW 75 /* value too large */
#define EILSEQ 84    /* illegal byte sequence */
#define ERESTART 85  /* restart the call */
#define ENOTSOCK 88
#define EOPNOTSUPP 95 /* operation not supported */
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENOBUFS 105
#define EISCONN 106
#define ENOTCONN 107
#define ETIMEDOUT 110
#define ECONNREFUSED 111

#endif
