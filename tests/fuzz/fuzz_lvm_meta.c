/* fuzz_lvm_meta.c - what LVM2 writes on a physical volume as a hostile
 * input (lib/lvm_meta.h): the bytes as the head of a physical volume (its
 * label, the header of the metadata area it lists, the text that header
 * points at, checked and parsed), and the same bytes as a metadata text.
 * Every read must stay inside the input, bounded, and never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/lvm_meta.h"
#include "fuzz.h"

/* The text the area header at MDA of DATA points at, checked and parsed,
 * when all of it lies in DATA. */
static void area(const uint8_t *data, size_t size, uint64_t mda,
                 uint64_t mda_size)
{
	struct cust_lvm_meta_area a;
	struct cust_lvm_meta *m = NULL;
	struct cust_error err;
	char *text;
	size_t done = 0;
	int i;

	if (mda > size || size - mda < CUST_LVM_META_HEADER ||
	    cust_lvm_meta_area(data + mda, size - mda, mda_size, &a, &err) < 0)
		return;
	if (!(text = malloc((size_t)a.text_size)))
		abort();
	for (i = 0; i < 2 && a.piece_len[i]; i++) {
		if (a.piece_off[i] > size - mda ||
		    a.piece_len[i] > size - mda - a.piece_off[i]) {
			free(text);
			return;
		}
		memcpy(text + done, data + mda + a.piece_off[i],
		       (size_t)a.piece_len[i]);
		done += (size_t)a.piece_len[i];
	}
	if (done != a.text_size)
		abort(); /* the pieces must make the whole text */
	(void)cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, text, done);
	if (cust_lvm_meta_parse(text, done, &m, &err) == 0)
		cust_lvm_meta_free(m);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cust_lvm_meta_label lab;
	struct cust_lvm_meta *m = NULL;
	struct cust_error err;
	size_t i, k;

	if (cust_lvm_meta_label(data, size, &lab, &err) == 0)
		for (i = 0; i < lab.nmdas && i < 2; i++)
			area(data, size, lab.mda_off[i], lab.mda_size[i]);
	if (cust_lvm_meta_parse((const char *)data, size, &m, &err) == 0) {
		/* every index the parser gives must be inside what it gives */
		for (i = 0; i < m->nlvs; i++)
			for (k = 0; k < m->lvs[i].nsegs; k++) {
				const struct cust_lvm_meta_segment *s =
					&m->lvs[i].segs[k];
				size_t t;
				if (s->nstripes > CUST_LVM_STRIPES_MAX)
					abort();
				for (t = 0; t < s->nstripes; t++)
					if (s->stripes[t].pv >= m->npvs)
						abort();
			}
		cust_lvm_meta_free(m);
	}
	return 0;
}
