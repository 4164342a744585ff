from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import Job


@login_required
def home(request):
    return render(request, "home.html")


@login_required
def job_status(request, pk):
    """Progress of one of the user's own jobs, polled by the progress bar."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    data = {"status": job.status, "status_display": job.get_status_display(), "total": job.total,
            "done": job.done, "percent": job.percent, "result": job.result, "error": job.error}
    if request.headers.get("HX-Request"):
        return render(request, "includes/job_progress.html", {"job": job})
    return JsonResponse(data)
