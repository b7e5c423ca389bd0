"""Reports: execute the notebooks and publish them as HTML (``make reports``).

* ``build``    run one notebook with papermill and publish its reports atomically
* ``browser``  open built reports in headless Chromium (render check, screenshot of the index)

``python -m crmlab.reports run|index ...`` is the command line behind the Makefile. Importing this
package imports nothing heavy: papermill and nbconvert load only when a notebook is run.
"""
