"""datatrove's WARC reader, counting the records it skips instead of dropping them silently.

Response records that are not HTML (PDFs, images, binaries) or whose bytes cannot be decoded
are skipped by datatrove's record parser; we count them so the run summary accounts for every
response in the crawl.
"""

from __future__ import annotations

from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.readers.warc import process_record

PAGE_RECORDS = ("response", "conversion")  # conversion: WET text records


class CountingWarcReader(WarcReader):
    def read_file(self, filepath: str):
        from warcio.archiveiterator import ArchiveIterator

        with self.data_folder.open(filepath, "rb", compression=self.compression) as f:
            for ri, record in enumerate(ArchiveIterator(f)):
                if record.rec_type not in PAGE_RECORDS:
                    continue
                with self.track_time():
                    extracted = process_record(record)
                    if not extracted:
                        self.stat_update("dropped_extract_not_html_or_undecodable")
                        continue
                    document = self.get_document_from_dict(extracted, filepath, ri)
                if document:
                    yield document
