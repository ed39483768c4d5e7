/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the base interval tree (src/base/itree.c).
 *
 * Fixed cases pin down the edges (empty tree, [0, UINT64_MAX], nodes touching
 * 0 and UINT64_MAX, abutting nodes). Randomised cases run thousands of
 * insert/remove operations with a fixed seed against a brute-force model,
 * checking the red-black and augmentation invariants after every operation,
 * and comparing iter_first/iter_next, span and double-span walks with the
 * model, on a small coordinate space, just below UINT64_MAX, and on a space
 * split between both ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/compiler.h"
#include "base/itree.h"

#define U64_MAX UINT64_MAX

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

struct tnode {
	struct sio_itree_node node;
	unsigned int seq;	/* insertion sequence number, for tie order */
	bool in_tree;
};

static unsigned int g_seq;

static void tnode_insert(struct sio_itree *t, struct tnode *tn, uint64_t start, uint64_t last)
{
	tn->node.start = start;
	tn->node.last = last;
	tn->seq = ++g_seq;
	tn->in_tree = true;
	sio_itree_insert(t, &tn->node);
}

static void tnode_remove(struct sio_itree *t, struct tnode *tn)
{
	sio_itree_remove(t, &tn->node);
	tn->in_tree = false;
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned int rng_below(unsigned int n)
{
	return (unsigned int)(rng_next() >> 33) % n;
}

/*
 * Check the red-black rules, parent links, search order and subtree_last of
 * the subtree at @x. Returns its black height (NULL counts as 1) and adds the
 * node count to *count.
 */
static unsigned int check_subtree(const struct sio_itree_node *x,
				  const struct sio_itree_node *parent, size_t *count)
{
	unsigned int lh, rh;
	uint64_t m;

	if (!x)
		return 1;
	(*count)++;
	assert_ptr_equal(x->parent, parent);
	assert_true(x->start <= x->last);
	if (x->red) {
		assert_false(x->left && x->left->red);
		assert_false(x->right && x->right->red);
	}
	m = x->last;
	if (x->left) {
		assert_true(x->left->start <= x->start);
		m = sio_max(m, x->left->subtree_last);
	}
	if (x->right) {
		assert_true(x->right->start >= x->start);
		m = sio_max(m, x->right->subtree_last);
	}
	assert_true(x->subtree_last == m);

	lh = check_subtree(x->left, x, count);
	rh = check_subtree(x->right, x, count);
	assert_int_equal(lh, rh);
	return lh + (x->red ? 0 : 1);
}

static unsigned int subtree_height(const struct sio_itree_node *x)
{
	if (!x)
		return 0;
	return 1 + sio_max(subtree_height(x->left), subtree_height(x->right));
}

/* Full check of @t: red-black rules, augmentation, count, in-order sorted. */
static void check_tree(const struct sio_itree *t)
{
	const struct sio_itree_node *n, *prev = NULL;
	size_t count = 0, walked = 0;
	unsigned int bh;

	if (t->root) {
		assert_false(t->root->red);
		assert_null(t->root->parent);
	}
	bh = check_subtree(t->root, NULL, &count);
	assert_int_equal(count, t->count);
	assert_int_equal(sio_itree_empty(t), t->count == 0);
	/* A root-to-leaf path has at most as many red nodes as black ones. */
	assert_true(subtree_height(t->root) <= 2 * (bh - 1));

	/* A full-range walk sees every node once, sorted by start. */
	sio_itree_for_each(n, t, 0, U64_MAX) {
		if (prev)
			assert_true(prev->start <= n->start);
		prev = n;
		walked++;
	}
	assert_int_equal(walked, t->count);
}

/* A span as seen by a test: kind 0 = hole, 1 = used by a / used, 2 = used by b. */
struct xspan {
	int kind;
	uint64_t start, last;
};

#define MAX_SPANS 1024

static size_t collect_spans(const struct sio_itree *t, uint64_t first, uint64_t last,
			    struct xspan *out)
{
	struct sio_itree_span s;
	size_t n = 0;

	sio_itree_for_each_span(&s, t, first, last) {
		assert_true(n < MAX_SPANS);
		if (s.is_hole) {
			out[n].kind = 0;
			out[n].start = s.start_hole;
			out[n].last = s.last_hole;
		} else {
			out[n].kind = 1;
			out[n].start = s.start_used;
			out[n].last = s.last_used;
		}
		n++;
	}
	return n;
}

static size_t collect_double(const struct sio_itree *a, const struct sio_itree *b,
			     uint64_t first, uint64_t last, struct xspan *out)
{
	struct sio_itree_double_span s;
	size_t n = 0;

	sio_itree_for_each_double_span(&s, a, b, first, last) {
		assert_true(n < MAX_SPANS);
		assert_true(s.is_used >= 0 && s.is_used <= 2);
		out[n].kind = s.is_used;
		if (s.is_used) {
			out[n].start = s.start_used;
			out[n].last = s.last_used;
		} else {
			out[n].start = s.start_hole;
			out[n].last = s.last_hole;
		}
		n++;
	}
	return n;
}

/* The spans must tile [first, last] and consecutive spans must differ in kind. */
static void check_tiling(const struct xspan *sp, size_t n, uint64_t first, uint64_t last)
{
	size_t i;

	assert_true(n >= 1);
	assert_true(sp[0].start == first);
	assert_true(sp[n - 1].last == last);
	for (i = 0; i < n; i++) {
		assert_true(sp[i].start <= sp[i].last);
		if (i) {
			assert_true(sp[i - 1].last != U64_MAX);
			assert_true(sp[i].start == sp[i - 1].last + 1);
			assert_int_not_equal(sp[i].kind, sp[i - 1].kind);
		}
	}
}

static void expect_spans(const struct xspan *got, size_t ngot, const struct xspan *want,
			 size_t nwant)
{
	size_t i;

	assert_int_equal(ngot, nwant);
	for (i = 0; i < nwant; i++) {
		assert_int_equal(got[i].kind, want[i].kind);
		assert_true(got[i].start == want[i].start);
		assert_true(got[i].last == want[i].last);
	}
}

static void expect_single(const struct sio_itree *t, uint64_t first, uint64_t last,
			  const struct xspan *want, size_t nwant)
{
	struct xspan got[MAX_SPANS];
	size_t n = collect_spans(t, first, last, got);

	check_tiling(got, n, first, last);
	expect_spans(got, n, want, nwant);
}

static void expect_double(const struct sio_itree *a, const struct sio_itree *b, uint64_t first,
			  uint64_t last, const struct xspan *want, size_t nwant)
{
	struct xspan got[MAX_SPANS];
	size_t n = collect_double(a, b, first, last, got);

	check_tiling(got, n, first, last);
	expect_spans(got, n, want, nwant);
}

/* ------------------------------------------------------------------------ */
/* Brute-force model                                                         */

#define POOL 64

struct model {
	struct sio_itree tree[2];
	struct tnode pool[2][POOL];
};

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static int cmp_tnode(const void *pa, const void *pb)
{
	const struct tnode *a = *(const struct tnode *const *)pa;
	const struct tnode *b = *(const struct tnode *const *)pb;

	if (a->node.start != b->node.start)
		return a->node.start < b->node.start ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool intersects(const struct tnode *tn, uint64_t first, uint64_t last)
{
	return tn->in_tree && tn->node.start <= last && tn->node.last >= first;
}

/* Iteration over [first, last] must give exactly the intersecting nodes, by (start, seq). */
static void model_check_iter(const struct model *m, int ti, uint64_t first, uint64_t last)
{
	const struct tnode *want[POOL];
	const struct sio_itree_node *n;
	size_t nw = 0, i = 0, k;

	for (k = 0; k < POOL; k++)
		if (intersects(&m->pool[ti][k], first, last))
			want[nw++] = &m->pool[ti][k];
	qsort(want, nw, sizeof(want[0]), cmp_tnode);

	sio_itree_for_each(n, &m->tree[ti], first, last) {
		assert_true(i < nw);
		assert_ptr_equal(n, &want[i]->node);
		i++;
	}
	assert_int_equal(i, nw);

	n = sio_itree_iter_first(&m->tree[ti], first, last);
	if (nw)
		assert_ptr_equal(n, &want[0]->node);
	else
		assert_null(n);
}

/*
 * Expected spans by elementary segments: cut [first, last] at every clipped
 * node start and after every clipped node end, classify each piece by the
 * coverage at its first address, and merge equal neighbours.
 * @b_tree < 0 selects single-span semantics on tree @a_tree (kind 1 = used).
 */
static size_t model_spans(const struct model *m, int a_tree, int b_tree, uint64_t first,
			  uint64_t last, struct xspan *out)
{
	static uint64_t pts[4 * POOL + 2];
	static int cov[2][4 * POOL + 2];
	size_t np = 0, nu, i, n = 0;
	int pass, k;

	pts[np++] = first;
	for (pass = 0; pass < 2; pass++) {
		int ti = pass ? b_tree : a_tree;

		if (ti < 0)
			continue;
		for (k = 0; k < POOL; k++) {
			const struct tnode *tn = &m->pool[ti][k];

			if (!intersects(tn, first, last))
				continue;
			pts[np++] = sio_max(tn->node.start, first);
			if (tn->node.last < last)
				pts[np++] = tn->node.last + 1;
		}
	}
	qsort(pts, np, sizeof(pts[0]), cmp_u64);
	for (nu = 0, i = 0; i < np; i++)
		if (!nu || pts[nu - 1] != pts[i])
			pts[nu++] = pts[i];

	memset(cov, 0, sizeof(cov));
	for (pass = 0; pass < 2; pass++) {
		int ti = pass ? b_tree : a_tree;

		if (ti < 0)
			continue;
		for (k = 0; k < POOL; k++) {
			const struct tnode *tn = &m->pool[ti][k];

			if (!intersects(tn, first, last))
				continue;
			for (i = 0; i < nu; i++)
				if (pts[i] >= tn->node.start && pts[i] <= tn->node.last)
					cov[pass][i] = 1;
		}
	}

	for (i = 0; i < nu; i++) {
		int kind = cov[0][i] ? 1 : cov[1][i] ? 2 : 0;
		uint64_t end = i + 1 < nu ? pts[i + 1] - 1 : last;

		if (n && out[n - 1].kind == kind) {
			out[n - 1].last = end;
		} else {
			out[n].kind = kind;
			out[n].start = pts[i];
			out[n].last = end;
			n++;
		}
	}
	return n;
}

static void model_check_spans(const struct model *m, uint64_t first, uint64_t last)
{
	struct xspan want[MAX_SPANS], got[MAX_SPANS];
	size_t nw, ng;
	int ti;

	for (ti = 0; ti < 2; ti++) {
		nw = model_spans(m, ti, -1, first, last, want);
		ng = collect_spans(&m->tree[ti], first, last, got);
		check_tiling(got, ng, first, last);
		expect_spans(got, ng, want, nw);
	}

	nw = model_spans(m, 0, 1, first, last, want);
	ng = collect_double(&m->tree[0], &m->tree[1], first, last, got);
	check_tiling(got, ng, first, last);
	expect_spans(got, ng, want, nw);

	nw = model_spans(m, 1, 0, first, last, want);
	ng = collect_double(&m->tree[1], &m->tree[0], first, last, got);
	check_tiling(got, ng, first, last);
	expect_spans(got, ng, want, nw);

	/* Same tree twice: never a kind-2 span. */
	nw = model_spans(m, 0, -1, first, last, want);
	ng = collect_double(&m->tree[0], &m->tree[0], first, last, got);
	check_tiling(got, ng, first, last);
	expect_spans(got, ng, want, nw);
}

/* Virtual coordinates 0..255 mapped onto the real 64-bit space, monotonically. */
enum space { SPACE_LOW, SPACE_HIGH, SPACE_SPLIT };

#define VSPACE 256u

static uint64_t vmap(enum space sp, unsigned int x)
{
	switch (sp) {
	case SPACE_LOW:
		return x;
	case SPACE_HIGH:
		return U64_MAX - (VSPACE - 1) + x;
	case SPACE_SPLIT:
	default:
		return x < VSPACE / 2 ? x : U64_MAX - (VSPACE - 1) + x;
	}
}

static void random_vrange(unsigned int *s, unsigned int *l)
{
	unsigned int r = rng_below(100), len;

	*s = rng_below(VSPACE);
	if (r < 50)
		len = rng_below(4);
	else if (r < 85)
		len = rng_below(24);
	else
		len = rng_below(VSPACE);
	*l = sio_min(*s + len, VSPACE - 1);
}

static void run_random(enum space sp, uint64_t seed, unsigned int ops)
{
	static struct model m;
	unsigned int op, s, l;
	int k, ti;

	memset(&m, 0, sizeof(m));
	sio_itree_init(&m.tree[0]);
	sio_itree_init(&m.tree[1]);
	rng_state = seed;

	for (op = 0; op < ops; op++) {
		struct tnode *tn;

		ti = (int)rng_below(2);
		tn = &m.pool[ti][rng_below(POOL)];

		if (tn->in_tree) {
			tnode_remove(&m.tree[ti], tn);
		} else {
			random_vrange(&s, &l);
			tnode_insert(&m.tree[ti], tn, vmap(sp, s), vmap(sp, l));
		}
		check_tree(&m.tree[ti]);

		/* Whole space, a random window, and a single address. */
		random_vrange(&s, &l);
		for (k = 0; k < 2; k++) {
			model_check_iter(&m, k, 0, U64_MAX);
			model_check_iter(&m, k, vmap(sp, s), vmap(sp, l));
			model_check_iter(&m, k, vmap(sp, s), vmap(sp, s));
		}
		model_check_spans(&m, 0, U64_MAX);
		model_check_spans(&m, vmap(sp, s), vmap(sp, l));
		model_check_spans(&m, vmap(sp, l), vmap(sp, l));
		if (sp == SPACE_SPLIT)
			/* A window over the gap between the two ends. */
			model_check_spans(&m, vmap(sp, s) / 2 + 1, U64_MAX - 1 - vmap(sp, l) / 4);
	}

	/* Drain both trees, checking as the trees shrink. */
	for (ti = 0; ti < 2; ti++) {
		for (k = 0; k < POOL; k++) {
			if (!m.pool[ti][k].in_tree)
				continue;
			tnode_remove(&m.tree[ti], &m.pool[ti][k]);
			check_tree(&m.tree[ti]);
			model_check_spans(&m, 0, U64_MAX);
		}
		assert_true(sio_itree_empty(&m.tree[ti]));
	}
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */

static void test_random_low(void **state)
{
	(void)state;
	run_random(SPACE_LOW, 0x9E3779B97F4A7C15ULL, 4000);
}

static void test_random_high(void **state)
{
	(void)state;
	run_random(SPACE_HIGH, 0xD1B54A32D192ED03ULL, 4000);
}

static void test_random_split(void **state)
{
	(void)state;
	run_random(SPACE_SPLIT, 0x8CB92BA72F3D8DD7ULL, 4000);
}

static void test_empty(void **state)
{
	struct sio_itree t = SIO_ITREE_INIT, u;
	const struct xspan all_hole[] = { { 0, 0, U64_MAX } };
	const struct xspan one_hole[] = { { 0, 7, 7 } };
	const struct xspan top_hole[] = { { 0, U64_MAX, U64_MAX } };
	struct sio_itree_span s;
	struct sio_itree_double_span d;

	(void)state;
	sio_itree_init(&u);
	assert_true(sio_itree_empty(&t));
	assert_true(sio_itree_empty(&u));
	assert_null(sio_itree_iter_first(&t, 0, U64_MAX));
	assert_null(sio_itree_iter_first(&t, U64_MAX, U64_MAX));
	check_tree(&t);

	expect_single(&t, 0, U64_MAX, all_hole, 1);
	expect_single(&t, 7, 7, one_hole, 1);
	expect_single(&t, U64_MAX, U64_MAX, top_hole, 1);
	expect_double(&t, &u, 0, U64_MAX, all_hole, 1);
	expect_double(&t, &t, U64_MAX, U64_MAX, top_hole, 1);

	/* An inverted range is an empty walk. */
	sio_itree_span_first(&s, &t, 5, 4);
	assert_true(sio_itree_span_done(&s));
	sio_itree_double_span_first(&d, &t, &u, U64_MAX, 0);
	assert_true(sio_itree_double_span_done(&d));
}

static void test_cover_all(void **state)
{
	struct sio_itree t, e;
	struct tnode a = { 0 };
	const struct xspan used_all[] = { { 1, 0, U64_MAX } };
	const struct xspan used_mid[] = { { 1, 10, 20 } };
	const struct xspan used_top[] = { { 1, U64_MAX, U64_MAX } };
	const struct xspan b_all[] = { { 2, 0, U64_MAX } };

	(void)state;
	sio_itree_init(&t);
	sio_itree_init(&e);
	tnode_insert(&t, &a, 0, U64_MAX);
	check_tree(&t);
	assert_int_equal(t.count, 1);
	assert_false(sio_itree_empty(&t));

	assert_ptr_equal(sio_itree_iter_first(&t, 0, 0), &a.node);
	assert_ptr_equal(sio_itree_iter_first(&t, U64_MAX, U64_MAX), &a.node);
	assert_ptr_equal(sio_itree_iter_first(&t, 12345, 67890), &a.node);
	assert_null(sio_itree_iter_next(&a.node, 0, U64_MAX));

	expect_single(&t, 0, U64_MAX, used_all, 1);
	expect_single(&t, 10, 20, used_mid, 1);
	expect_single(&t, U64_MAX, U64_MAX, used_top, 1);
	expect_double(&t, &e, 0, U64_MAX, used_all, 1);
	expect_double(&e, &t, 0, U64_MAX, b_all, 1);
	expect_double(&t, &t, 0, U64_MAX, used_all, 1);

	tnode_remove(&t, &a);
	check_tree(&t);
	assert_true(sio_itree_empty(&t));
	assert_null(sio_itree_iter_first(&t, 0, U64_MAX));
}

static void test_edges(void **state)
{
	struct sio_itree t;
	struct tnode lo = { 0 }, hi = { 0 };
	const struct xspan full[] = {
		{ 1, 0, 0 }, { 0, 1, U64_MAX - 1 }, { 1, U64_MAX, U64_MAX },
	};
	const struct xspan inner[] = { { 0, 1, U64_MAX - 1 } };
	const struct xspan top2[] = { { 0, U64_MAX - 1, U64_MAX - 1 }, { 1, U64_MAX, U64_MAX } };
	const struct xspan bot2[] = { { 1, 0, 0 }, { 0, 1, 1 } };

	(void)state;
	sio_itree_init(&t);
	tnode_insert(&t, &hi, U64_MAX, U64_MAX);
	tnode_insert(&t, &lo, 0, 0);
	check_tree(&t);

	assert_ptr_equal(sio_itree_iter_first(&t, 0, U64_MAX), &lo.node);
	assert_ptr_equal(sio_itree_iter_next(&lo.node, 0, U64_MAX), &hi.node);
	assert_null(sio_itree_iter_next(&hi.node, 0, U64_MAX));
	assert_null(sio_itree_iter_first(&t, 1, U64_MAX - 1));
	assert_ptr_equal(sio_itree_iter_first(&t, 1, U64_MAX), &hi.node);
	assert_ptr_equal(sio_itree_iter_first(&t, U64_MAX, U64_MAX), &hi.node);
	assert_null(sio_itree_iter_next(&lo.node, 0, U64_MAX - 1));

	expect_single(&t, 0, U64_MAX, full, 3);
	expect_single(&t, 1, U64_MAX - 1, inner, 1);
	expect_single(&t, U64_MAX - 1, U64_MAX, top2, 2);
	expect_single(&t, 0, 1, bot2, 2);

	/* Same shape through the double walk, from either side. */
	{
		struct sio_itree e;
		const struct xspan fullb[] = {
			{ 2, 0, 0 }, { 0, 1, U64_MAX - 1 }, { 2, U64_MAX, U64_MAX },
		};

		sio_itree_init(&e);
		expect_double(&t, &e, 0, U64_MAX, full, 3);
		expect_double(&e, &t, 0, U64_MAX, fullb, 3);
	}

	/* Spans ending at UINT64_MAX stop cleanly: a node [X, MAX] with a window below. */
	tnode_remove(&t, &hi);
	tnode_insert(&t, &hi, U64_MAX - 5, U64_MAX);
	check_tree(&t);
	{
		const struct xspan want[] = {
			{ 1, 0, 0 }, { 0, 1, U64_MAX - 6 }, { 1, U64_MAX - 5, U64_MAX },
		};

		expect_single(&t, 0, U64_MAX, want, 3);
	}
}

static void test_adjacent_merge(void **state)
{
	struct sio_itree t;
	struct tnode n[6];
	const struct xspan want[] = {
		{ 1, 0, 19 }, { 0, 20, 29 }, { 1, 30, U64_MAX },
	};
	const struct xspan want_win[] = { { 1, 5, 15 } };
	const struct xspan want_tail[] = { { 0, 25, 29 }, { 1, 30, 45 } };

	(void)state;
	memset(n, 0, sizeof(n));
	sio_itree_init(&t);
	/* Inserted out of order on purpose. */
	tnode_insert(&t, &n[0], 10, 19);
	tnode_insert(&t, &n[1], 40, U64_MAX);
	tnode_insert(&t, &n[2], 0, 9);
	tnode_insert(&t, &n[3], 30, 39);
	check_tree(&t);

	expect_single(&t, 0, U64_MAX, want, 3);
	expect_single(&t, 5, 15, want_win, 1);
	expect_single(&t, 25, 45, want_tail, 2);

	/* A node inside another and one straddling: still one used span. */
	tnode_insert(&t, &n[4], 2, 3);
	tnode_insert(&t, &n[5], 15, 21);
	check_tree(&t);
	{
		const struct xspan want2[] = {
			{ 1, 0, 21 }, { 0, 22, 29 }, { 1, 30, U64_MAX },
		};

		expect_single(&t, 0, U64_MAX, want2, 3);
	}

	/* Split the first used span by removing the bridge. */
	tnode_remove(&t, &n[5]);
	tnode_remove(&t, &n[0]);
	check_tree(&t);
	{
		const struct xspan want3[] = {
			{ 1, 0, 9 }, { 0, 10, 29 }, { 1, 30, U64_MAX },
		};

		expect_single(&t, 0, U64_MAX, want3, 3);
	}
}

static void test_double_basic(void **state)
{
	struct sio_itree a, b;
	struct tnode na[2], nb[3];

	(void)state;
	memset(na, 0, sizeof(na));
	memset(nb, 0, sizeof(nb));
	sio_itree_init(&a);
	sio_itree_init(&b);
	/* a: [10, 19] [40, 49]; b: [0, 14] [25, 30] [31, 60] */
	tnode_insert(&a, &na[0], 10, 19);
	tnode_insert(&a, &na[1], 40, 49);
	tnode_insert(&b, &nb[0], 0, 14);
	tnode_insert(&b, &nb[1], 25, 30);
	tnode_insert(&b, &nb[2], 31, 60);
	{
		const struct xspan want[] = {
			{ 2, 0, 9 }, { 1, 10, 19 }, { 0, 20, 24 }, { 2, 25, 39 },
			{ 1, 40, 49 }, { 2, 50, 60 }, { 0, 61, U64_MAX },
		};
		const struct xspan want_win[] = {
			{ 1, 12, 19 }, { 0, 20, 24 }, { 2, 25, 39 }, { 1, 40, 45 },
		};
		const struct xspan want_rev[] = {
			{ 1, 0, 14 }, { 2, 15, 19 }, { 0, 20, 24 }, { 1, 25, 60 },
			{ 0, 61, U64_MAX },
		};

		expect_double(&a, &b, 0, U64_MAX, want, 7);
		expect_double(&a, &b, 12, 45, want_win, 4);
		expect_double(&b, &a, 0, U64_MAX, want_rev, 5);
	}
}

static void test_duplicates_order(void **state)
{
	struct sio_itree t;
	struct tnode n[40];
	struct sio_itree_node *it;
	unsigned int i, seen;

	(void)state;
	memset(n, 0, sizeof(n));
	sio_itree_init(&t);
	for (i = 0; i < 40; i++)
		tnode_insert(&t, &n[i], 100, 200);
	check_tree(&t);

	/* Equal starts come back in insertion order. */
	seen = 0;
	sio_itree_for_each(it, &t, 150, 150) {
		assert_ptr_equal(it, &n[seen].node);
		seen++;
	}
	assert_int_equal(seen, 40);
	assert_null(sio_itree_iter_first(&t, 0, 99));
	assert_null(sio_itree_iter_first(&t, 201, U64_MAX));

	for (i = 0; i < 40; i += 3) {
		tnode_remove(&t, &n[i]);
		check_tree(&t);
	}
	seen = 0;
	i = 0;
	sio_itree_for_each(it, &t, 0, U64_MAX) {
		while (!n[i].in_tree)
			i++;
		assert_ptr_equal(it, &n[i].node);
		i++;
		seen++;
	}
	assert_int_equal(seen, t.count);
}

static void test_for_each_safe(void **state)
{
	struct sio_itree t;
	struct tnode n[100];
	struct sio_itree_node *it, *tmp;
	unsigned int i, removed = 0;

	(void)state;
	memset(n, 0, sizeof(n));
	sio_itree_init(&t);
	for (i = 0; i < 100; i++)
		tnode_insert(&t, &n[i], i * 10, i * 10 + 15);

	/* Remove every node intersecting [200, 500] while walking it. */
	sio_itree_for_each_safe(it, tmp, &t, 200, 500) {
		struct tnode *tn = container_of(it, struct tnode, node);

		assert_true(it->start <= 500 && it->last >= 200);
		tnode_remove(&t, tn);
		removed++;
		check_tree(&t);
	}
	/* Starts 190..500 step 10 intersect. */
	assert_int_equal(removed, 32);
	assert_null(sio_itree_iter_first(&t, 200, 500));
	assert_int_equal(t.count, 68);

	/* A removed node can be re-inserted with a new range. */
	tnode_insert(&t, &n[25], 300, 300);
	check_tree(&t);
	assert_ptr_equal(sio_itree_iter_first(&t, 200, 500), &n[25].node);
}

/* Sequential inserts and removals (rebalancing worst cases) keep the height logarithmic. */
static void test_sequential_balance(void **state)
{
	enum { N = 2048 };
	static struct tnode n[N];
	struct sio_itree t;
	unsigned int i, h;

	(void)state;
	memset(n, 0, sizeof(n));
	sio_itree_init(&t);
	for (i = 0; i < N; i++) {
		tnode_insert(&t, &n[i], (uint64_t)i * 4, (uint64_t)i * 4 + 1);
		if (!(i & 127))
			check_tree(&t);
	}
	check_tree(&t);
	h = subtree_height(t.root);
	assert_true(h <= 2 * 11 + 1);	/* 2 * log2(N + 1) */

	/* iter_first/next over a window far into the tree. */
	{
		struct sio_itree_node *it;
		uint64_t expect = 4000;

		sio_itree_for_each(it, &t, 4001, 4100) {
			assert_true(it->start == expect);
			expect += 4;
		}
		assert_true(expect == 4104);
	}
	{
		struct xspan got[MAX_SPANS];
		size_t ns = collect_spans(&t, 4001, 4010, got);
		const struct xspan want[] = {
			{ 1, 4001, 4001 }, { 0, 4002, 4003 }, { 1, 4004, 4005 },
			{ 0, 4006, 4007 }, { 1, 4008, 4009 }, { 0, 4010, 4010 },
		};

		check_tiling(got, ns, 4001, 4010);
		expect_spans(got, ns, want, ARRAY_SIZE(want));
	}

	/* Remove from the front, then from the back, alternating. */
	for (i = 0; i < N / 2; i++) {
		tnode_remove(&t, &n[i]);
		tnode_remove(&t, &n[N - 1 - i]);
		if (!(i & 63))
			check_tree(&t);
	}
	check_tree(&t);
	assert_true(sio_itree_empty(&t));
}

/* A long node hidden deep in the left subtree must still be found by subtree_last. */
static void test_long_node_found(void **state)
{
	enum { N = 500 };
	static struct tnode n[N];
	struct tnode longn = { 0 };
	struct sio_itree t;
	struct sio_itree_node *it;
	unsigned int i;

	(void)state;
	memset(n, 0, sizeof(n));
	sio_itree_init(&t);
	for (i = 0; i < N; i++)
		tnode_insert(&t, &n[i], (uint64_t)i * 100, (uint64_t)i * 100 + 9);
	tnode_insert(&t, &longn, 5, U64_MAX - 3);
	check_tree(&t);

	it = sio_itree_iter_first(&t, U64_MAX - 10, U64_MAX);
	assert_ptr_equal(it, &longn.node);
	assert_null(sio_itree_iter_next(it, U64_MAX - 10, U64_MAX));
	assert_null(sio_itree_iter_first(&t, U64_MAX - 2, U64_MAX));

	/* [49900, 49909] is the last short node; [49950] only hits the long one. */
	it = sio_itree_iter_first(&t, 49950, 49950);
	assert_ptr_equal(it, &longn.node);
	it = sio_itree_iter_first(&t, 49905, 49950);
	assert_ptr_equal(it, &longn.node);
	it = sio_itree_iter_next(it, 49905, 49950);
	assert_ptr_equal(it, &n[N - 1].node);
	assert_null(sio_itree_iter_next(it, 49905, 49950));

	{
		const struct xspan want[] = {
			{ 1, 0, U64_MAX - 3 }, { 0, U64_MAX - 2, U64_MAX },
		};

		expect_single(&t, 0, U64_MAX, want, 2);
	}
	tnode_remove(&t, &longn);
	check_tree(&t);
	assert_null(sio_itree_iter_first(&t, 49950, 49950));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_cover_all),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_adjacent_merge),
		cmocka_unit_test(test_double_basic),
		cmocka_unit_test(test_duplicates_order),
		cmocka_unit_test(test_for_each_safe),
		cmocka_unit_test(test_sequential_balance),
		cmocka_unit_test(test_long_node_found),
		cmocka_unit_test(test_random_low),
		cmocka_unit_test(test_random_high),
		cmocka_unit_test(test_random_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
