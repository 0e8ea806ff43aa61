document.getElementById('app')!.textContent = 'ops';
