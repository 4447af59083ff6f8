/* buf_compat.h - TEMPORARY: the old cgfs_buf names for cg_buf (cg_buf.h),
 * until the mechanical rename; removed by it. */
#ifndef CGFS_BUF_COMPAT_H
#define CGFS_BUF_COMPAT_H

#define cgfs_buf cg_buf
#define cgfs_buf_append cg_buf_append
#define cgfs_buf_puts cg_buf_puts
#define cgfs_buf_printf cg_buf_printf
#define cgfs_buf_free cg_buf_free
#define cgfs_buf_shrink cg_buf_shrink

#endif
