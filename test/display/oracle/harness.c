/*
 * Reference runner for the canvas tests: drives spice-common's software canvas (the one spice-gtk links)
 * with draws read from stdin and prints the resulting surfaces, so that the TypeScript canvas can be
 * compared with it on random draws (test/display/oracle.test.ts). Built by build.sh against a spice-common
 * checkout; never part of the product.
 *
 * Input: whitespace-separated integers.
 *   1 id w h fmt  v[w*h]                   create a surface with these native pixel values
 *   2 img kind ...                          define image slot `img`:
 *        kind 0: bmpfmt flags w h stride  bytes[stride*h]    a BITMAP image
 *        kind 1: surface_id                                    a SURFACE image
 *   3 op sid  l t r b  nclip [l t r b]*  op fields            draw (op = display message number)
 *   4 id                                    print the surface: w*h native values, one line
 * Image slots are referred to by number, -1 for none. A brush is `type color | type img x y`, a mask
 * `flags x y img`.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spice/enums.h>
#include "common/sw_canvas.h"
#include "common/mem.h"

#define MAX_SURFACES 16
#define MAX_IMAGES 64

typedef struct {
    SpiceCanvas *canvas;
    int w, h, fmt, stride;
    uint8_t *data;
} Surf;

static Surf surfs[MAX_SURFACES];
static SpiceImage *images[MAX_IMAGES];

static long long rd(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        exit(0);
    }
    return v;
}

static SpiceCanvas *surfaces_get(SpiceImageSurfaces *s, uint32_t id)
{
    (void)s;
    return id < MAX_SURFACES ? surfs[id].canvas : NULL;
}
static const SpiceImageSurfacesOps surfaces_ops = { surfaces_get };
static SpiceImageSurfaces surfaces = { &surfaces_ops };

static void cache_put(SpiceImageCache *c, uint64_t id, pixman_image_t *s) { (void)c; (void)id; (void)s; }
static pixman_image_t *cache_get(SpiceImageCache *c, uint64_t id) { (void)c; (void)id; return NULL; }
static const SpiceImageCacheOps cache_ops = { cache_put, cache_get, cache_put, cache_put, cache_get };
static SpiceImageCache cache = { &cache_ops };

static void pal_put(SpicePaletteCache *c, SpicePalette *p) { (void)c; (void)p; }
static SpicePalette *pal_get(SpicePaletteCache *c, uint64_t id) { (void)c; (void)id; return NULL; }
static void pal_release(SpicePaletteCache *c, SpicePalette *p) { (void)c; (void)p; }
static SpicePaletteCacheOps pal_ops = { pal_put, pal_get, pal_release };
static SpicePaletteCache pal_cache = { &pal_ops };

static int bpp_of(int fmt)
{
    switch (fmt) {
    case SPICE_SURFACE_FMT_1_A: return 1;
    case SPICE_SURFACE_FMT_8_A: return 8;
    case SPICE_SURFACE_FMT_16_555: case SPICE_SURFACE_FMT_16_565: return 16;
    default: return 32;
    }
}

static uint32_t get_px(Surf *s, int x, int y)
{
    uint8_t *row = s->data + y * s->stride;
    switch (bpp_of(s->fmt)) {
    case 1: return (((uint32_t *)row)[x >> 5] >> (x & 31)) & 1;
    case 8: return row[x];
    case 16: return ((uint16_t *)row)[x];
    default: return ((uint32_t *)row)[x];
    }
}

static void set_px(Surf *s, int x, int y, uint32_t v)
{
    uint8_t *row = s->data + y * s->stride;
    switch (bpp_of(s->fmt)) {
    case 1:
        if (v & 1) ((uint32_t *)row)[x >> 5] |= 1u << (x & 31);
        else ((uint32_t *)row)[x >> 5] &= ~(1u << (x & 31));
        break;
    case 8: row[x] = v; break;
    case 16: ((uint16_t *)row)[x] = v; break;
    default: ((uint32_t *)row)[x] = v; break;
    }
}

static SpiceImage *img_ref(void)
{
    long long i = rd();
    return i < 0 ? NULL : images[i];
}

static void rd_rect(SpiceRect *r)
{
    r->left = rd(); r->top = rd(); r->right = rd(); r->bottom = rd();
}

static void rd_brush(SpiceBrush *b)
{
    memset(b, 0, sizeof(*b));
    b->type = rd();
    if (b->type == SPICE_BRUSH_TYPE_SOLID) {
        b->u.color = (uint32_t)rd();
    } else if (b->type == SPICE_BRUSH_TYPE_PATTERN) {
        b->u.pattern.pat = img_ref();
        b->u.pattern.pos.x = rd();
        b->u.pattern.pos.y = rd();
    }
}

static void rd_mask(SpiceQMask *m)
{
    m->flags = rd();
    m->pos.x = rd();
    m->pos.y = rd();
    m->bitmap = img_ref();
}

static void rd_transform(SpiceTransform *t)
{
    t->t00 = rd(); t->t01 = rd(); t->t02 = rd(); t->t10 = rd(); t->t11 = rd(); t->t12 = rd();
}

static void define_image(void)
{
    int slot = rd();
    int kind = rd();
    SpiceImage *img = calloc(1, sizeof(SpiceImage));
    if (kind == 0) {
        SpiceBitmap *b = &img->u.bitmap;
        int i, n;
        img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
        b->format = rd();
        b->flags = rd();
        b->x = rd();
        b->y = rd();
        b->stride = rd();
        img->descriptor.width = b->x;
        img->descriptor.height = b->y;
        n = b->stride * b->y;
        b->data = spice_chunks_new(1);
        b->data->data_size = n;
        b->data->chunk[0].len = n;
        b->data->chunk[0].data = malloc(n ? n : 1);
        for (i = 0; i < n; i++) {
            b->data->chunk[0].data[i] = rd();
        }
    } else {
        img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
        img->u.surface.surface_id = rd();
    }
    images[slot] = img;
}

static void create_surface(void)
{
    int id = rd();
    Surf *s = &surfs[id];
    int x, y;
    s->w = rd();
    s->h = rd();
    s->fmt = rd();
    s->stride = s->w * 4; /* spice-gtk: width * 4 whatever the format */
    s->data = calloc(s->stride, s->h);
    for (y = 0; y < s->h; y++) {
        for (x = 0; x < s->w; x++) {
            set_px(s, x, y, (uint32_t)rd());
        }
    }
    s->canvas = canvas_create_for_data(s->w, s->h, s->fmt, s->data, s->stride, &cache, &pal_cache,
                                       &surfaces, NULL, NULL, NULL);
}

static void dump_surface(void)
{
    Surf *s = &surfs[rd()];
    int x, y;
    for (y = 0; y < s->h; y++) {
        for (x = 0; x < s->w; x++) {
            printf("%u ", get_px(s, x, y));
        }
    }
    printf("\n");
    fflush(stdout);
}

static void draw(void)
{
    int op = rd();
    Surf *s = &surfs[rd()];
    SpiceCanvas *c = s->canvas;
    SpiceRect box;
    SpiceClip clip;
    int n, i;

    rd_rect(&box);
    n = rd();
    if (n < 0) {
        clip.type = SPICE_CLIP_TYPE_NONE;
        clip.rects = NULL;
    } else {
        clip.type = SPICE_CLIP_TYPE_RECTS;
        clip.rects = malloc(sizeof(SpiceClipRects) + n * sizeof(SpiceRect));
        clip.rects->num_rects = n;
        for (i = 0; i < n; i++) {
            rd_rect(&clip.rects->rects[i]);
        }
    }

    switch (op) {
    case SPICE_MSG_DISPLAY_DRAW_FILL: {
        SpiceFill f;
        rd_brush(&f.brush);
        f.rop_descriptor = rd();
        rd_mask(&f.mask);
        c->ops->draw_fill(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_COPY:
    case SPICE_MSG_DISPLAY_DRAW_BLEND: {
        SpiceCopy f;
        f.src_bitmap = img_ref();
        rd_rect(&f.src_area);
        f.rop_descriptor = rd();
        f.scale_mode = rd();
        rd_mask(&f.mask);
        if (op == SPICE_MSG_DISPLAY_DRAW_COPY) c->ops->draw_copy(c, &box, &clip, &f);
        else c->ops->draw_blend(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_OPAQUE: {
        SpiceOpaque f;
        f.src_bitmap = img_ref();
        rd_rect(&f.src_area);
        rd_brush(&f.brush);
        f.rop_descriptor = rd();
        f.scale_mode = rd();
        rd_mask(&f.mask);
        c->ops->draw_opaque(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
    case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
    case SPICE_MSG_DISPLAY_DRAW_INVERS: {
        SpiceBlackness f;
        rd_mask(&f.mask);
        if (op == SPICE_MSG_DISPLAY_DRAW_BLACKNESS) c->ops->draw_blackness(c, &box, &clip, &f);
        else if (op == SPICE_MSG_DISPLAY_DRAW_WHITENESS) c->ops->draw_whiteness(c, &box, &clip, &f);
        else c->ops->draw_invers(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_ROP3: {
        SpiceRop3 f;
        f.src_bitmap = img_ref();
        rd_rect(&f.src_area);
        rd_brush(&f.brush);
        f.rop3 = rd();
        f.scale_mode = rd();
        rd_mask(&f.mask);
        c->ops->draw_rop3(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT: {
        SpiceTransparent f;
        f.src_bitmap = img_ref();
        rd_rect(&f.src_area);
        f.src_color = rd();
        f.true_color = rd();
        c->ops->draw_transparent(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND: {
        SpiceAlphaBlend f;
        f.alpha_flags = rd();
        f.alpha = rd();
        f.src_bitmap = img_ref();
        rd_rect(&f.src_area);
        c->ops->draw_alpha_blend(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_COMPOSITE: {
        SpiceComposite f;
        f.flags = rd();
        f.src_bitmap = img_ref();
        f.mask_bitmap = img_ref();
        rd_transform(&f.src_transform);
        rd_transform(&f.mask_transform);
        f.src_origin.x = rd();
        f.src_origin.y = rd();
        f.mask_origin.x = rd();
        f.mask_origin.y = rd();
        c->ops->draw_composite(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_COPY_BITS: {
        SpicePoint p;
        p.x = rd();
        p.y = rd();
        c->ops->copy_bits(c, &box, &clip, &p);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_STROKE: {
        SpiceStroke f;
        int nseg = rd(), j;
        f.path = malloc(sizeof(SpicePath) + nseg * sizeof(SpicePathSeg *));
        f.path->num_segments = nseg;
        for (i = 0; i < nseg; i++) {
            int flags = rd(), count = rd();
            SpicePathSeg *seg = malloc(sizeof(SpicePathSeg) + count * sizeof(SpicePointFix));
            seg->flags = flags;
            seg->count = count;
            for (j = 0; j < count; j++) {
                seg->points[j].x = rd();
                seg->points[j].y = rd();
            }
            f.path->segments[i] = seg;
        }
        f.attr.flags = rd();
        f.attr.style_nseg = rd();
        f.attr.style = malloc((f.attr.style_nseg + 1) * sizeof(SPICE_FIXED28_4));
        for (i = 0; i < f.attr.style_nseg; i++) {
            f.attr.style[i] = rd();
        }
        rd_brush(&f.brush);
        f.fore_mode = rd();
        f.back_mode = rd();
        c->ops->draw_stroke(c, &box, &clip, &f);
        break;
    }
    case SPICE_MSG_DISPLAY_DRAW_TEXT: {
        SpiceText f;
        int len = rd(), j;
        SpiceString *str = malloc(sizeof(SpiceString) + len * sizeof(SpiceRasterGlyph *));
        str->length = len;
        str->flags = rd();
        for (i = 0; i < len; i++) {
            SpiceRasterGlyph g;
            int nbytes;
            SpiceRasterGlyph *gp;
            g.render_pos.x = rd();
            g.render_pos.y = rd();
            g.glyph_origin.x = rd();
            g.glyph_origin.y = rd();
            g.width = rd();
            g.height = rd();
            nbytes = rd();
            /* zeroed past the data: spice-gtk reads one row past an A8 glyph */
            gp = calloc(1, sizeof(SpiceRasterGlyph) + nbytes + 4096);
            *gp = g;
            for (j = 0; j < nbytes; j++) {
                gp->data[j] = rd();
            }
            str->glyphs[i] = gp;
        }
        f.str = str;
        rd_rect(&f.back_area);
        rd_brush(&f.fore_brush);
        rd_brush(&f.back_brush);
        f.fore_mode = rd();
        f.back_mode = rd();
        c->ops->draw_text(c, &box, &clip, &f);
        break;
    }
    default:
        fprintf(stderr, "unknown op %d\n", op);
        exit(2);
    }
}

int main(void)
{
    for (;;) {
        switch (rd()) {
        case 1: create_surface(); break;
        case 2: define_image(); break;
        case 3: draw(); break;
        case 4: dump_surface(); break;
        default: fprintf(stderr, "bad command\n"); return 2;
        }
    }
}
