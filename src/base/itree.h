/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interval tree over 64-bit inclusive ranges [start, last].
 *
 * An augmented red-black tree keyed by start. Every node also carries
 * subtree_last, the largest 'last' found in its subtree, which lets a range
 * query skip whole subtrees that end before the query begins. Used for IOVA
 * areas, reserved and allowed ranges, and pinned page ranges.
 *
 * Properties:
 *  - Ranges are inclusive on both ends; the whole space [0, UINT64_MAX] is
 *    representable and every operation is correct at both extremes.
 *  - Overlapping and identical ranges may coexist. Nodes with equal start are
 *    kept in insertion order (a later insert sorts after an earlier one).
 *  - Intrusive: callers embed struct sio_itree_node in their own object and
 *    get back to it with container_of(). The tree never allocates.
 *  - No locking: the tree is not thread-safe. The caller must serialise every
 *    call (including the read-only queries and span iterators) against any
 *    insert or remove on the same tree, e.g. with the lock that protects the
 *    objects the nodes are embedded in.
 *
 * Costs (n nodes in the tree, k nodes intersecting the queried range):
 * insert, remove, iter_first and iter_next are O(log n); a full span walk
 * over a range is O((k + 1) log n).
 */
#ifndef SIO_BASE_ITREE_H
#define SIO_BASE_ITREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sio_itree_node {
	uint64_t start;		/* first, inclusive */
	uint64_t last;		/* last, inclusive; start <= last */
	/* private: augmented red-black tree links, owned by the tree */
	struct sio_itree_node *parent, *left, *right;
	uint64_t subtree_last;	/* max(last) over this node and its descendants */
	bool red;
};

struct sio_itree {
	struct sio_itree_node *root;
	size_t count;		/* number of nodes linked into the tree */
};

/* Static initialiser, equivalent to sio_itree_init(). */
#define SIO_ITREE_INIT { .root = NULL, .count = 0 }

/*
 * sio_itree_init() - make @t an empty tree.
 * Nodes previously linked into @t are forgotten, not touched.
 */
void sio_itree_init(struct sio_itree *t);

/* sio_itree_empty() - true when @t holds no node. */
bool sio_itree_empty(const struct sio_itree *t);

/*
 * sio_itree_insert() - link @n into @t.
 * @n->start and @n->last must be set, with start <= last; the private fields
 * are overwritten. @n must not already be in a tree. Overlapping and duplicate
 * ranges are allowed. O(log n).
 */
void sio_itree_insert(struct sio_itree *t, struct sio_itree_node *n);

/*
 * sio_itree_remove() - unlink @n, which must currently be in @t.
 * @n->start and @n->last are left as they were; the private fields are
 * cleared, and @n may be re-inserted (possibly with a new range) afterwards.
 * Other nodes stay valid and stay in the tree. O(log n).
 */
void sio_itree_remove(struct sio_itree *t, struct sio_itree_node *n);

/*
 * sio_itree_iter_first() - first node of @t intersecting [@start, @last].
 * "First" is in start order (ties in insertion order). Requires
 * start <= last. Returns NULL when no node intersects. O(log n).
 */
struct sio_itree_node *sio_itree_iter_first(const struct sio_itree *t, uint64_t start,
					    uint64_t last);

/*
 * sio_itree_iter_next() - the node after @n, in the order of
 * sio_itree_iter_first(), that intersects [@start, @last], or NULL.
 * @n must still be linked in its tree; the tree may have been modified since
 * @n was returned (the walk simply continues from @n's current position).
 * Requires start <= last. O(log n).
 */
struct sio_itree_node *sio_itree_iter_next(const struct sio_itree_node *n, uint64_t start,
					   uint64_t last);

/*
 * sio_itree_for_each() - visit every node of @t intersecting [@s, @l] in start
 * order. @s and @l are evaluated more than once. The body must not remove @n;
 * use sio_itree_for_each_safe() for that.
 */
#define sio_itree_for_each(n, t, s, l)					\
	for ((n) = sio_itree_iter_first((t), (s), (l)); (n);		\
	     (n) = sio_itree_iter_next((n), (s), (l)))

/*
 * sio_itree_for_each_safe() - as sio_itree_for_each(), but the body may remove
 * @n (and only @n) from @t. @tmp is scratch storage for the next node.
 */
#define sio_itree_for_each_safe(n, tmp, t, s, l)				\
	for ((n) = sio_itree_iter_first((t), (s), (l)),			\
	     (tmp) = (n) ? sio_itree_iter_next((n), (s), (l)) : NULL;	\
	     (n);							\
	     (n) = (tmp), (tmp) = (n) ? sio_itree_iter_next((n), (s), (l)) : NULL)

/*
 * Span iteration over [first, last] of one tree.
 *
 * Yields, in ascending order, maximal "used" spans (every address covered by
 * at least one node) and maximal "hole" spans (covered by no node). Used and
 * hole spans alternate, and together they tile [first, last] exactly. Nodes
 * that overlap or merely abut ([0, 9] and [10, 19]) form a single used span.
 * Spans are clipped to [first, last].
 *
 * The tree must not be modified while an iterator over it is live.
 */
struct sio_itree_span {
	bool is_hole;
	uint64_t start_hole, last_hole;	/* valid when is_hole */
	uint64_t start_used, last_used;	/* valid when !is_hole */
	/* private */
	struct sio_itree_node *next;	/* first unconsumed node intersecting the range */
	uint64_t first_index;		/* the iterated range */
	uint64_t last_index;
	bool final;			/* the current span ends at last_index */
	bool done;
};

/*
 * sio_itree_span_first() - start a span walk of @t over [@first, @last] and
 * load the first span. If @first > @last the walk is empty (done at once).
 */
void sio_itree_span_first(struct sio_itree_span *s, const struct sio_itree *t, uint64_t first,
			  uint64_t last);

/* sio_itree_span_next() - advance @s to the next span. @s must not be done. */
void sio_itree_span_next(struct sio_itree_span *s);

/* sio_itree_span_done() - true once @s has moved past the last span. */
bool sio_itree_span_done(const struct sio_itree_span *s);

#define sio_itree_for_each_span(s, t, first, last)			\
	for (sio_itree_span_first((s), (t), (first), (last));		\
	     !sio_itree_span_done(s); sio_itree_span_next(s))

/*
 * Span iteration over [first, last] of two trees @a and @b at once.
 *
 * Yields, in ascending order, spans that tile [first, last] exactly:
 *  - is_used == 1: every address is covered by a node of @a. These are the
 *    maximal used spans of @a alone (as sio_itree_span would give them).
 *  - is_used == 2: every address is covered by a node of @b and by none of
 *    @a. Maximal runs of b-coverage inside a hole of @a.
 *  - is_used == 0: covered by no node of either tree; maximal.
 * So the holes are exactly the complement of the union of both trees, and
 * @a takes precedence where both trees cover an address. Two consecutive
 * spans never have the same is_used value.
 *
 * Neither tree may be modified while an iterator over them is live. @a and
 * @b may be the same tree.
 */
struct sio_itree_double_span {
	int is_used;
	uint64_t start_hole, last_hole;	/* valid when is_used == 0 */
	uint64_t start_used, last_used;	/* valid when is_used != 0 */
	/* private */
	struct sio_itree_span spans[2];	/* per-tree walks; each current span holds 'pos' */
	const struct sio_itree *trees[2];
	uint64_t last_index;
	bool final;			/* the current span ends at last_index */
	bool done;
};

/*
 * sio_itree_double_span_first() - start a double span walk of @a and @b over
 * [@first, @last] and load the first span. If @first > @last the walk is
 * empty (done at once).
 */
void sio_itree_double_span_first(struct sio_itree_double_span *s, const struct sio_itree *a,
				 const struct sio_itree *b, uint64_t first, uint64_t last);

/* sio_itree_double_span_next() - advance @s to the next span. @s must not be done. */
void sio_itree_double_span_next(struct sio_itree_double_span *s);

/* sio_itree_double_span_done() - true once @s has moved past the last span. */
bool sio_itree_double_span_done(const struct sio_itree_double_span *s);

#define sio_itree_for_each_double_span(s, a, b, first, last)		\
	for (sio_itree_double_span_first((s), (a), (b), (first), (last));	\
	     !sio_itree_double_span_done(s); sio_itree_double_span_next(s))

#endif /* SIO_BASE_ITREE_H */
