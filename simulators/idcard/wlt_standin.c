/* Stand-in for a vendor WLT photo decoder library, for the virtual hut.
 *
 * The real WLT codec is proprietary, so the simulated cards carry their
 * photo in a format this library can read: "SJPG", a 2-byte little-endian
 * length, then a baseline JPEG of the face (at most 1018 bytes, padded with
 * zeros to the card's 1024).  The entry point is the vendors' own:
 *     int unpack(const char *wlt, char *bmp, int save_to_file)
 * returning 1 and a 102x126 24-bit bottom-up BMP in ``bmp`` (at least
 * 38610 bytes), or -1 for data it cannot read (a real card's WLT), -2 when
 * asked to write a file (the kiosk never does: the photo stays in memory).
 * Built by simulators/idcard/photo.py with the system C compiler and
 * libjpeg (cc -shared -fPIC wlt_standin.c -ljpeg).
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define W 102
#define H 126
#define ROW 308 /* 102 * 3 padded to 4 */

struct guard { struct jpeg_error_mgr mgr; jmp_buf jump; };

static void on_error(j_common_ptr cinfo) { longjmp(((struct guard *)cinfo->err)->jump, 1); }
static void on_message(j_common_ptr cinfo) { (void)cinfo; }

static void put32(char *p, int32_t v) { memcpy(p, &v, 4); }
static void put16(char *p, int16_t v) { memcpy(p, &v, 2); }

int unpack(const char *src, char *dst, int save) {
    if (save != 0) return -2;
    if (memcmp(src, "SJPG", 4) != 0) return -1;
    unsigned len = (unsigned char)src[4] | ((unsigned char)src[5] << 8);
    if (len == 0 || len > 1018) return -1;

    struct jpeg_decompress_struct cinfo;
    struct guard err;
    unsigned char *pixels = NULL;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = on_error;
    err.mgr.output_message = on_message;
    if (setjmp(err.jump)) { jpeg_destroy_decompress(&cinfo); free(pixels); return -1; }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (const unsigned char *)src + 6, len);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) { jpeg_destroy_decompress(&cinfo); return -1; }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    unsigned sw = cinfo.output_width, sh = cinfo.output_height;
    if (sw < 8 || sh < 8 || sw > 1024 || sh > 1024) longjmp(err.jump, 1);
    pixels = malloc((size_t)sw * sh * 3);
    if (pixels == NULL) longjmp(err.jump, 1);
    while (cinfo.output_scanline < sh) {
        unsigned char *row = pixels + (size_t)cinfo.output_scanline * sw * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);

    const int size = 54 + ROW * H;
    memset(dst, 0, size);
    dst[0] = 'B'; dst[1] = 'M';
    put32(dst + 2, size); put32(dst + 10, 54); put32(dst + 14, 40);
    put32(dst + 18, W); put32(dst + 22, H); put16(dst + 26, 1); put16(dst + 28, 24);
    put32(dst + 34, ROW * H);
    /* bilinear resample to 102x126, bottom-up rows, BGR */
    for (int y = 0; y < H; y++) {
        double fy = (y + 0.5) * sh / H - 0.5; if (fy < 0) fy = 0;
        unsigned y0 = (unsigned)fy, y1 = y0 + 1 < sh ? y0 + 1 : y0; double wy = fy - y0;
        char *out = dst + 54 + (size_t)(H - 1 - y) * ROW;
        for (int x = 0; x < W; x++) {
            double fx = (x + 0.5) * sw / W - 0.5; if (fx < 0) fx = 0;
            unsigned x0 = (unsigned)fx, x1 = x0 + 1 < sw ? x0 + 1 : x0; double wx = fx - x0;
            for (int c = 0; c < 3; c++) {
                double v = (1 - wy) * ((1 - wx) * pixels[(y0 * sw + x0) * 3 + c] + wx * pixels[(y0 * sw + x1) * 3 + c])
                         + wy * ((1 - wx) * pixels[(y1 * sw + x0) * 3 + c] + wx * pixels[(y1 * sw + x1) * 3 + c]);
                out[x * 3 + (2 - c)] = (char)(unsigned char)(v + 0.5);
            }
        }
    }
    free(pixels);
    return 1;
}
