document.getElementById('app')!.textContent = 'owner';
