/* SPDX-License-Identifier: MIT */
/*
 * wdz_funcs.h - every function of Debian's libz.so.1 (zlib 1.2.13), as an
 * X-macro list: X(name). Used to build the table of the real library's
 * entry points (wdz_real.c). The exported set and its symbol versions are
 * in libwdz.map.
 */
#define WDZ_FUNCS \
	X(adler32) X(adler32_combine) X(adler32_combine64) X(adler32_z) \
	X(compress) X(compress2) X(compressBound) \
	X(crc32) X(crc32_combine) X(crc32_combine64) X(crc32_combine_gen) \
	X(crc32_combine_gen64) X(crc32_combine_op) X(crc32_z) \
	X(deflate) X(deflateBound) X(deflateCopy) X(deflateEnd) \
	X(deflateGetDictionary) X(deflateInit2_) X(deflateInit_) \
	X(deflateParams) X(deflatePending) X(deflatePrime) X(deflateReset) \
	X(deflateResetKeep) X(deflateSetDictionary) X(deflateSetHeader) \
	X(deflateTune) X(get_crc_table) \
	X(gzbuffer) X(gzclearerr) X(gzclose) X(gzclose_r) X(gzclose_w) \
	X(gzdirect) X(gzdopen) X(gzeof) X(gzerror) X(gzflush) X(gzfread) \
	X(gzfwrite) X(gzgetc) X(gzgetc_) X(gzgets) X(gzoffset) X(gzoffset64) \
	X(gzopen) X(gzopen64) X(gzputc) X(gzputs) X(gzread) \
	X(gzrewind) X(gzseek) X(gzseek64) X(gzsetparams) X(gztell) \
	X(gztell64) X(gzungetc) X(gzvprintf) X(gzwrite) \
	X(inflate) X(inflateBack) X(inflateBackEnd) X(inflateBackInit_) \
	X(inflateCodesUsed) X(inflateCopy) X(inflateEnd) \
	X(inflateGetDictionary) X(inflateGetHeader) X(inflateInit2_) \
	X(inflateInit_) X(inflateMark) X(inflatePrime) X(inflateReset) \
	X(inflateReset2) X(inflateResetKeep) X(inflateSetDictionary) \
	X(inflateSync) X(inflateSyncPoint) X(inflateUndermine) \
	X(inflateValidate) X(uncompress) X(uncompress2) X(zError) \
	X(zlibCompileFlags) X(zlibVersion)
