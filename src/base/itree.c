/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Augmented red-black interval tree; see itree.h.
 *
 * Red-black rules kept between calls:
 *  (1) the root is black;
 *  (2) a red node has no red child;
 *  (3) every path from a node down to a NULL link crosses the same number of
 *      black nodes.
 * NULL links count as black.
 *
 * Augmentation kept between calls, for every node x:
 *  x->subtree_last == max(x->last, x->left->subtree_last, x->right->subtree_last)
 * (absent children ignored).
 *
 * Order: in-order traversal gives non-decreasing start; a node with a start
 * equal to an existing node's is inserted to its right.
 */
#include "base/itree.h"

#include "base/compiler.h"

static inline bool node_is_red(const struct sio_itree_node *x)
{
	return x && x->red;
}

static inline bool node_is_black(const struct sio_itree_node *x)
{
	return !node_is_red(x);
}

static uint64_t node_compute_last(const struct sio_itree_node *x)
{
	uint64_t m = x->last;

	if (x->left && x->left->subtree_last > m)
		m = x->left->subtree_last;
	if (x->right && x->right->subtree_last > m)
		m = x->right->subtree_last;
	return m;
}

/* Make @parent (or the root slot when @parent is NULL) point to @new instead of @old. */
static void replace_child(struct sio_itree *t, struct sio_itree_node *parent,
			  struct sio_itree_node *old, struct sio_itree_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*
 * Rotations keep the augmentation exact: the pivot inherits the old top's
 * subtree_last (same node set), and only the old top is recomputed.
 */
static void rotate_left(struct sio_itree *t, struct sio_itree_node *x)
{
	struct sio_itree_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	replace_child(t, x->parent, x, y);
	y->left = x;
	x->parent = y;

	y->subtree_last = x->subtree_last;
	x->subtree_last = node_compute_last(x);
}

static void rotate_right(struct sio_itree *t, struct sio_itree_node *x)
{
	struct sio_itree_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	replace_child(t, x->parent, x, y);
	y->right = x;
	x->parent = y;

	y->subtree_last = x->subtree_last;
	x->subtree_last = node_compute_last(x);
}

void sio_itree_init(struct sio_itree *t)
{
	t->root = NULL;
	t->count = 0;
}

bool sio_itree_empty(const struct sio_itree *t)
{
	return !t->root;
}

/* Restore rule (2) after linking the red leaf @n; rules (1) and (3) hold elsewhere. */
static void insert_fixup(struct sio_itree *t, struct sio_itree_node *n)
{
	struct sio_itree_node *p, *g, *u;

	while ((p = n->parent) && p->red) {
		/* p is red, so it is not the root: g exists and is black. */
		g = p->parent;
		if (p == g->left) {
			u = g->right;
			if (node_is_red(u)) {
				p->red = false;
				u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->right) {
				rotate_left(t, p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rotate_right(t, g);
		} else {
			u = g->left;
			if (node_is_red(u)) {
				p->red = false;
				u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->left) {
				rotate_right(t, p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rotate_left(t, g);
		}
	}
	t->root->red = false;
}

void sio_itree_insert(struct sio_itree *t, struct sio_itree_node *n)
{
	struct sio_itree_node **link = &t->root;
	struct sio_itree_node *parent = NULL;

	/* Every node on the descent path gains n in its subtree. */
	while (*link) {
		parent = *link;
		if (parent->subtree_last < n->last)
			parent->subtree_last = n->last;
		link = n->start < parent->start ? &parent->left : &parent->right;
	}

	n->parent = parent;
	n->left = NULL;
	n->right = NULL;
	n->subtree_last = n->last;
	n->red = true;
	*link = n;
	t->count++;

	insert_fixup(t, n);
}

/* Recompute subtree_last from @x up to the root. */
static void propagate_up(struct sio_itree_node *x)
{
	for (; x; x = x->parent)
		x->subtree_last = node_compute_last(x);
}

/*
 * Restore rule (3) after a black node was unlinked: the subtree at @x (may be
 * NULL), the child of @parent, is one black short of its sibling.
 */
static void remove_fixup(struct sio_itree *t, struct sio_itree_node *x,
			 struct sio_itree_node *parent)
{
	struct sio_itree_node *w;

	while (x != t->root && node_is_black(x)) {
		/* The sibling w has black height >= 1, so it exists. */
		if (x == parent->left) {
			w = parent->right;
			if (w->red) {
				w->red = false;
				parent->red = true;
				rotate_left(t, parent);
				w = parent->right;
			}
			if (node_is_black(w->left) && node_is_black(w->right)) {
				w->red = true;
				x = parent;
				parent = x->parent;
				continue;
			}
			if (node_is_black(w->right)) {
				w->left->red = false;
				w->red = true;
				rotate_right(t, w);
				w = parent->right;
			}
			w->red = parent->red;
			parent->red = false;
			w->right->red = false;
			rotate_left(t, parent);
		} else {
			w = parent->left;
			if (w->red) {
				w->red = false;
				parent->red = true;
				rotate_right(t, parent);
				w = parent->left;
			}
			if (node_is_black(w->left) && node_is_black(w->right)) {
				w->red = true;
				x = parent;
				parent = x->parent;
				continue;
			}
			if (node_is_black(w->left)) {
				w->right->red = false;
				w->red = true;
				rotate_left(t, w);
				w = parent->left;
			}
			w->red = parent->red;
			parent->red = false;
			w->left->red = false;
			rotate_right(t, parent);
		}
		x = t->root;
		break;
	}
	if (x)
		x->red = false;
}

void sio_itree_remove(struct sio_itree *t, struct sio_itree_node *n)
{
	struct sio_itree_node *child, *parent, *succ;
	bool removed_black;

	if (!n->left || !n->right) {
		/* n has at most one child: splice it out. */
		child = n->left ? n->left : n->right;
		parent = n->parent;
		removed_black = !n->red;
		if (child)
			child->parent = parent;
		replace_child(t, parent, n, child);
	} else {
		/*
		 * Two children: the in-order successor (leftmost of the right
		 * subtree, no left child) takes n's place and colour; the
		 * colour that leaves the tree is the successor's.
		 */
		succ = n->right;
		while (succ->left)
			succ = succ->left;
		child = succ->right;
		removed_black = !succ->red;

		if (succ == n->right) {
			parent = succ;
		} else {
			parent = succ->parent;
			parent->left = child;
			if (child)
				child->parent = parent;
			succ->right = n->right;
			n->right->parent = succ;
		}
		succ->left = n->left;
		n->left->parent = succ;
		succ->parent = n->parent;
		succ->red = n->red;
		replace_child(t, n->parent, n, succ);
	}

	/*
	 * parent is the lowest node whose subtree changed; every node whose
	 * subtree changed (including succ) lies on its path to the root.
	 * Fix the augmentation before the fixup rotations rely on it.
	 */
	propagate_up(parent);
	if (removed_black)
		remove_fixup(t, child, parent);

	t->count--;
	n->parent = NULL;
	n->left = NULL;
	n->right = NULL;
	n->subtree_last = n->last;
	n->red = false;
}

/*
 * Leftmost node of the subtree @x intersecting [start, last], or NULL.
 * Requires x->subtree_last >= start.
 *
 * If the left subtree holds a node ending at or after start, the answer is
 * there or nowhere: such a node either intersects, or begins after last, and
 * then so do x and everything to the right of it.
 */
static struct sio_itree_node *subtree_search(struct sio_itree_node *x, uint64_t start,
					     uint64_t last)
{
	for (;;) {
		if (x->left && x->left->subtree_last >= start) {
			x = x->left;
			continue;
		}
		if (x->start > last)
			return NULL;
		if (x->last >= start)
			return x;
		if (!x->right || x->right->subtree_last < start)
			return NULL;
		x = x->right;
	}
}

struct sio_itree_node *sio_itree_iter_first(const struct sio_itree *t, uint64_t start,
					    uint64_t last)
{
	if (!t->root || t->root->subtree_last < start)
		return NULL;
	return subtree_search(t->root, start, last);
}

struct sio_itree_node *sio_itree_iter_next(const struct sio_itree_node *n, uint64_t start,
					   uint64_t last)
{
	struct sio_itree_node *x = (struct sio_itree_node *)n;
	struct sio_itree_node *prev;

	for (;;) {
		/*
		 * Nodes after x: its right subtree, then each ancestor reached
		 * from a left child, followed by that ancestor's right subtree.
		 * All of them start at or after x->start, so once one starts
		 * beyond last the walk is over.
		 */
		if (x->right && x->right->subtree_last >= start)
			return subtree_search(x->right, start, last);

		do {
			prev = x;
			x = x->parent;
			if (!x)
				return NULL;
		} while (prev == x->right);

		if (x->start > last)
			return NULL;
		if (x->last >= start)
			return x;
	}
}

/* End of the current span of @s. */
static inline uint64_t span_end(const struct sio_itree_span *s)
{
	return s->is_hole ? s->last_hole : s->last_used;
}

/*
 * Load the span beginning at @pos (first_index <= pos <= last_index).
 * Invariant on entry: every node before s->next that intersects the range
 * ends before pos, and s->next (if any) ends at or after pos.
 */
static void span_fill(struct sio_itree_span *s, uint64_t pos)
{
	struct sio_itree_node *n = s->next;
	uint64_t end;

	if (!n || n->start > pos) {
		/* n->start <= last_index since n intersects the range. */
		end = n ? n->start - 1 : s->last_index;
		s->is_hole = true;
		s->start_hole = pos;
		s->last_hole = end;
	} else {
		/* n covers pos. Absorb every node starting within or right after the span. */
		end = n->last;
		s->next = sio_itree_iter_next(n, s->first_index, s->last_index);
		while (end < s->last_index) {
			n = s->next;
			if (!n || n->start > end + 1)
				break;
			if (n->last > end)
				end = n->last;
			s->next = sio_itree_iter_next(n, s->first_index, s->last_index);
		}
		if (end > s->last_index)
			end = s->last_index;
		s->is_hole = false;
		s->start_used = pos;
		s->last_used = end;
	}
	s->final = end == s->last_index;
}

void sio_itree_span_first(struct sio_itree_span *s, const struct sio_itree *t, uint64_t first,
			  uint64_t last)
{
	s->first_index = first;
	s->last_index = last;
	s->final = false;
	s->is_hole = true;
	s->start_hole = s->last_hole = 0;
	s->start_used = s->last_used = 0;
	if (first > last) {
		s->next = NULL;
		s->done = true;
		return;
	}
	s->done = false;
	s->next = sio_itree_iter_first(t, first, last);
	span_fill(s, first);
}

void sio_itree_span_next(struct sio_itree_span *s)
{
	if (s->final) {
		s->done = true;
		return;
	}
	/* Not final: the current span ends below last_index, so +1 cannot wrap. */
	span_fill(s, span_end(s) + 1);
}

bool sio_itree_span_done(const struct sio_itree_span *s)
{
	return s->done;
}

/* Make spans[i] hold @pos; it currently holds an address below pos. */
static void dspan_seek(struct sio_itree_double_span *s, int i, uint64_t pos)
{
	struct sio_itree_span *sp = &s->spans[i];

	if (span_end(sp) >= pos)
		return;
	if (span_end(sp) + 1 == pos)
		sio_itree_span_next(sp);
	else
		sio_itree_span_first(sp, s->trees[i], pos, s->last_index);
}

/* Load the span beginning at @pos; both per-tree spans hold pos on entry. */
static void dspan_fill(struct sio_itree_double_span *s, uint64_t pos)
{
	const struct sio_itree_span *a = &s->spans[0];
	const struct sio_itree_span *b = &s->spans[1];
	uint64_t end;

	if (!a->is_hole) {
		s->is_used = 1;
		end = a->last_used;
	} else {
		s->is_used = b->is_hole ? 0 : 2;
		end = sio_min(a->last_hole, span_end(b));
	}

	if (s->is_used) {
		s->start_used = pos;
		s->last_used = end;
	} else {
		s->start_hole = pos;
		s->last_hole = end;
	}
	s->final = end == s->last_index;
}

void sio_itree_double_span_first(struct sio_itree_double_span *s, const struct sio_itree *a,
				 const struct sio_itree *b, uint64_t first, uint64_t last)
{
	s->trees[0] = a;
	s->trees[1] = b;
	s->last_index = last;
	s->final = false;
	s->is_used = 0;
	s->start_hole = s->last_hole = 0;
	s->start_used = s->last_used = 0;
	if (first > last) {
		s->done = true;
		return;
	}
	s->done = false;
	sio_itree_span_first(&s->spans[0], a, first, last);
	sio_itree_span_first(&s->spans[1], b, first, last);
	dspan_fill(s, first);
}

void sio_itree_double_span_next(struct sio_itree_double_span *s)
{
	uint64_t pos;

	if (s->final) {
		s->done = true;
		return;
	}
	/* Not final: the current span ends below last_index, so +1 cannot wrap. */
	pos = (s->is_used ? s->last_used : s->last_hole) + 1;
	dspan_seek(s, 0, pos);
	dspan_seek(s, 1, pos);
	dspan_fill(s, pos);
}

bool sio_itree_double_span_done(const struct sio_itree_double_span *s)
{
	return s->done;
}
