"""The record of who downloaded which file of teachers' personal data.

Every view that hands out such a file is decorated with ``@records_download("name")``: one
``ExportDownload`` row is written when the view answers with a file (a ``Content-Disposition``
header and status 200). A refusal raises (403/404) or redirects with a message, and so writes
nothing; a page that serves both HTML and a file (``?format=xlsx``) is recorded only for the file.
"""

from functools import wraps
from urllib.parse import unquote

from . import access
from .models import ExportDownload, Job

# Parameters that are never copied into the record: they are personal data or secrets, and the
# record must not become one more place that holds them.
_SECRET_PARAMS = {"csrfmiddlewaretoken", "password", "id_number", "phone", "filler"}
_MAX_VALUE = 100


def _params(request, kwargs) -> dict:
    params: dict = {k: str(v) for k, v in kwargs.items()}
    for key in request.GET:
        if key.lower() in _SECRET_PARAMS:
            continue
        values = [v[:_MAX_VALUE] for v in request.GET.getlist(key)]
        params[key] = values[0] if len(values) == 1 else values
    return params


def _filename(response) -> str:
    disposition = response.get("Content-Disposition", "")
    if "filename*=UTF-8''" in disposition:
        return unquote(disposition.split("filename*=UTF-8''", 1)[1].split(";")[0])[:255]
    if 'filename="' in disposition:
        return disposition.split('filename="', 1)[1].split('"')[0][:255]
    return ""


def is_file_answer(response) -> bool:
    return response.status_code == 200 and response.has_header("Content-Disposition")


def record_download(request, export: str, response, params: dict | None = None) -> ExportDownload:
    """Write the row for one download. A view may set ``response.export_rows`` when the count is at
    hand (the rows it just wrote)."""
    return ExportDownload.objects.create(
        user=request.user, roles=",".join(sorted(access.roles_of(request.user))), export=export,
        params=params or {}, filename=_filename(response), rows=getattr(response, "export_rows", None),
    )


def records_download(export: str):
    """Decorator for a view that hands out a personal-data file; see the module docstring."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if is_file_answer(response) and request.user.is_authenticated:
                # One view may hand out files of several exports (a finished job's): it names the
                # one it answered with, and what the job was run for, on the response.
                params = {**_params(request, kwargs), **getattr(response, "export_params", {})}
                record_download(request, getattr(response, "export_name", export), response, params)
            return response

        return wrapped

    return decorator


def job_file_response(request, pk, *, kind: str, filename: str, content_type: str = "application/zip"):
    """The file a finished job of `kind` wrote (its ``result["file"]``), as a download for the
    job's owner only; 404 for anyone else, an unfinished job or a file gone from storage."""
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404
    from django.shortcuts import get_object_or_404

    job = get_object_or_404(access.jobs_for_user(request.user), pk=pk, kind=kind, status=Job.Status.DONE)
    path = (job.result or {}).get("file")
    if not path:
        raise Http404("文件不存在。")
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError:
        raise Http404("文件不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=job.result.get("filename", filename),
                        content_type=content_type)
