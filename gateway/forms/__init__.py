"""The console's compose form, pure (issue 15): built from each type's body schema, rendered as
HTML fields, decoded from what a browser posts into the JSON the national submission path takes.

- `model.form_of(profile, type)`: the fields (kinds, required, repeated groups, restrictions,
  label keys, the Annex 7 districts where the schema has a District);
- `widgets.render_body` / `header_fields.render_header`: the HTML fields (no JavaScript needed);
- `posted.decode` / `header.decode_header`: posted pairs → body / header, with named problems;
- `prefill.encode` / `header.header_pairs`: a body / header → the pairs the form shows;
- `header.submission(header, body)`: the document `Submissions.handle` takes as JSON.
"""
